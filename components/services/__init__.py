"""One ComponentResource per platform service. Each computes its chart's values from typed config
and platform wiring, and publishes typed outputs (endpoints, Secret names, metrics targets)."""
