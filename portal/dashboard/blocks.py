"""A page made of named template blocks, each with the one function that builds its context."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Response

from portal import htmx

BlockContext = Callable[[Any], dict]


class Sources:
    """What a page's blocks are built from for one response: its object, the caller's inputs, loaded data.

    Subclasses add ``functools.cached_property`` loaders, so blocks that share data (the thread and the
    comments beside files and deliverables, say) query it once, and blocks not rendered query nothing.
    """

    def __init__(self, obj: Any, inputs: dict) -> None:
        self.obj = obj
        self.inputs = inputs

    def form(self, name: str, form_class: type) -> Any:
        """The submitted form the caller passed (with its errors), else a blank one."""
        form = self.inputs.get(name)
        return form if form is not None else form_class(formdata=None)


class BlockPage:
    """One template whose blocks render alone (htmx) or together (the full page), from declared contexts."""

    def __init__(
        self,
        template: str,
        sources: type[Sources],
        frame: BlockContext,
        blocks: dict[str, BlockContext],
        standalone: Iterable[str] = (),
    ) -> None:
        self.template = template
        self.sources = sources
        self.frame = frame
        self.blocks = blocks
        # Blocks rendered only on their own (a single card), never part of the full page.
        self.standalone = frozenset(standalone)

    def context(self, obj: Any, names: Iterable[str] | None = None, **inputs) -> dict:
        """The context of the named blocks (all of the full page's when None), and nothing more."""
        sources = self.sources(obj, inputs)
        if names is None:
            context = self.frame(sources)
            names = [name for name in self.blocks if name not in self.standalone]
        else:
            context = {}
        for name in names:
            context.update(self.blocks[name](sources))
        return context

    def render(
        self,
        obj: Any,
        block: str | None = None,
        *,
        oob: Iterable[str] = (),
        swap_oob: bool = False,
        status_code: int = 200,
        **inputs,
    ) -> Response:
        """The full page, or for htmx only ``block`` and the out-of-band blocks, each built from its context."""
        oob = tuple(oob)
        names = (block, *oob) if block is not None and htmx.is_fragment_request() else None
        context = self.context(obj, names, **inputs)
        if swap_oob:
            context["swap_oob"] = True
        return htmx.render(self.template, block, oob=oob, status_code=status_code, **context)

    def invalid(self, obj: Any, block: str, **inputs) -> Response:
        """An invalid submit: 200 with the block for htmx, 422 with the full page otherwise."""
        status_code = 200 if htmx.is_fragment_request() else 422
        return self.render(obj, block, status_code=status_code, **inputs)

    def done(
        self, obj: Any, location: str, message: str | None, block: str, *, oob: Iterable[str] = (), **inputs
    ) -> Response:
        """A successful POST: the block (and out-of-band blocks) for htmx, else flash and redirect."""
        if not htmx.is_fragment_request():
            return htmx.done(location, message)
        response = self.render(obj, block, oob=oob, **inputs)
        return htmx.confirm(response, message) if message else response
