"""Development tooling: the local Cassandra node launcher. Nothing in the product imports it."""
