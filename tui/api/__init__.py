"""The async API layer: httpx + pydantic, no Textual.

Import what you need from the submodules (`tui.api.client`, `tui.api.errors`, ...): this
package file stays empty so importing one piece does not pull in the rest.
"""
