"""压测: City-scale synthetic data and the `yishi bench` measurements (issue 6)."""
