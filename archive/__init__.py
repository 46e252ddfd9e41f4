"""Conference talk notes archive: domain, parsing, tagging, service and storage."""
