"""Our own simulated provider: the default on the embedded install and in tests."""

from hostolink.providers.sandbox.adapter import SandboxProvider

__all__ = ["SandboxProvider"]
