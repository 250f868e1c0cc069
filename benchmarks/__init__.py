"""Scripts that print numbers (throughput, latency, replay accuracy); not part of the test run."""
