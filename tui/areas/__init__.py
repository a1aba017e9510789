"""The areas of the API Loom covers, one package each: chat, fine-tuning, models, usage,
requests, and each one to come. Each declares itself with `AREA = Area(...)` in its
`__init__.py`; tui/registry.py finds them (see there for the parts an area has)."""
