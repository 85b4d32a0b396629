"""Typed config models, one module per area. components/config.py composes them into StackConfig
and is the only module that reads Pulumi config."""
