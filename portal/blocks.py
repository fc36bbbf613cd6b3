"""A page made of named template blocks, each with the one function that builds its context; and the answers
both sides give an htmx request and a plain one (a block, or the full page and a redirect)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Response, redirect

from portal import htmx

BlockContext = Callable[[Any], dict]


def fragment() -> bool:
    """True when the request wants a block (htmx), not a page."""
    return htmx.is_fragment_request()


def partial(location: str, template: str, block: str | None = None, **context) -> Response:
    """A small template (or its block) for htmx; a plain request is sent to ``location`` instead."""
    if not fragment():
        return redirect(location, code=303)
    return htmx.render(template, block, **context)


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
        names = (block, *oob) if block is not None and fragment() else None
        context = self.context(obj, names, **inputs)
        if swap_oob:
            context["swap_oob"] = True
        return htmx.render(self.template, block, oob=oob, status_code=status_code, **context)

    def invalid(self, obj: Any, block: str, *, oob: Iterable[str] = (), status_code: int = 422, **inputs) -> Response:
        """A refused submit: 200 with the block for htmx (it swaps only 2xx), ``status_code`` with the full page."""
        return self.render(obj, block, oob=oob, status_code=200 if fragment() else status_code, **inputs)

    def done(
        self, obj: Any, location: str, message: str | None, block: str, *, oob: Iterable[str] = (), **inputs
    ) -> Response:
        """A successful POST: the block (and out-of-band blocks) for htmx, else flash and redirect."""
        if not fragment():
            return htmx.done(location, message)
        response = self.render(obj, block, oob=oob, **inputs)
        return htmx.confirm(response, message) if message else response

    def answers(self) -> tuple[Callable[..., Response], Callable[..., Response], Callable[..., Response]]:
        """A page module's ``render``, ``invalid`` and ``done``; each calls this page's method when called, so a
        method wrapped later (to count its statements, say) is the one they use."""
        return (
            lambda *args, **options: self.render(*args, **options),
            lambda *args, **options: self.invalid(*args, **options),
            lambda *args, **options: self.done(*args, **options),
        )
