"""The register file: atomic, locked, canonical TinyDB storage with a hash-chained audit log."""

from register.store.audit import AuditProblem, verify_chain
from register.store.register_file import RegisterFile, Transaction

__all__ = ["AuditProblem", "RegisterFile", "Transaction", "verify_chain"]
