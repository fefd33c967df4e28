"""The directory read model: organizations, users and memberships as the API lists them."""

from projections.directory.model import DirectoryModel

__all__ = ["DirectoryModel"]
