"""What every room may use, without Flask or SQL: ids, the API's error type, JSON."""
