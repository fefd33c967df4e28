// Readiness probe for the local broker, run by kafka.sh with the JDK's
// source launcher:  java -cp 'lib/*' Ready.java BOOTSTRAP TIMEOUT_S [BROKER_PID]
// Exit 0 once the broker answers DescribeCluster and ListTopics (it serves
// metadata), 1 on timeout, 2 if the broker process has gone away.
import java.util.Collection;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.Node;

public class Ready {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: Ready BOOTSTRAP TIMEOUT_S [BROKER_PID]");
            System.exit(64);
        }
        String bootstrap = args[0];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
        Optional<ProcessHandle> broker = Optional.empty();
        if (args.length > 2) {
            broker = ProcessHandle.of(Long.parseLong(args[2]));
            if (broker.isEmpty()) {
                System.err.println("broker process " + args[2] + " is not running");
                System.exit(2);
            }
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "idgov-ready-probe");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "100");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        String last = "no answer yet";
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                if (broker.isPresent() && !broker.get().isAlive()) {
                    System.err.println("broker process exited");
                    System.exit(2);
                }
                try {
                    DescribeClusterResult cluster = admin.describeCluster();
                    Collection<Node> nodes = cluster.nodes().get(3, TimeUnit.SECONDS);
                    String clusterId = cluster.clusterId().get(3, TimeUnit.SECONDS);
                    int topics = admin.listTopics(new ListTopicsOptions().listInternal(true))
                            .names().get(3, TimeUnit.SECONDS).size();
                    if (!nodes.isEmpty()) {
                        System.out.println("ready: cluster " + clusterId + ", "
                                + nodes.size() + " node(s), " + topics + " topic(s)");
                        return;
                    }
                    last = "no brokers in metadata";
                } catch (Exception e) {
                    last = e.toString();
                }
                Thread.sleep(200);
            }
        }
        System.err.println("broker not ready: " + last);
        System.exit(1);
    }
}
