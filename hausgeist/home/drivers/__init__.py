"""Device drivers: how a state change reaches a device. One module per driver."""
