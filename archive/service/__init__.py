"""The write side: the archive service (imports), its wiring to the real parts, the scheduled
jobs' operations and the dry-run inspection. Talks to storage only through narrow ports."""
