"""The fast SHACL engine over several processes: the shapes shared out, the graph shared whole.

Each targeted shape is validated on its own focus nodes (pySHACL validates shape by shape), so
the shapes can be handed to processes forked from the one that loaded the store: every process
reads the whole graph (the fork shares it, copy-on-write; nothing is split, so a reference from
one article to another is followed as in one process) and the results, written as text, are
put together and sorted. A shape's results do not depend on which process validates it or on
what that process validated before (the per-process caches only save work), so the results are
those of one process: ``tests/test_fast_validation.py`` checks them against pySHACL.

Shapes are handed out one at a time, the costliest first by a guess (shapes with SPARQL targets,
then by focus nodes × constraints), so the processes finish close together. Memory: every
process builds the per-predicate indexes its shapes need, so the peak of all processes together
is above one process's (``docs/errors.md`` gives the figures).
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from cstrdf.fastshacl import Engine, Shape
    from cstrdf.shaclresult import ValidationResult

#: below this many triples a second process saves nothing measurable (at 100,000 triples the
#: shapes take ~1.5 s, and each process builds the indexes it needs)
PARALLEL_FROM = 200_000
#: more processes than this would cost more memory (indexes per process) than they save time
MAX_WORKERS = 2
#: bytes a pipe holds on every Linux since 2.6.11 (the queue is written before the fork)
_PIPE_BUFFER = 65536


#: environment variable: the number of processes to use (1: no fork), instead of the default
WORKERS_VARIABLE = "CSTRDF_SHACL_WORKERS"


def default_workers(triples: int) -> int:
    """How many processes to validate a store of ``triples`` triples with: one per core, up to
    :data:`MAX_WORKERS`, from :data:`PARALLEL_FROM` triples on, as many as the memory budget
    holds (:func:`cstrdf.memory.processes_that_fit`); ``$CSTRDF_SHACL_WORKERS`` overrides it."""
    from cstrdf import memory

    chosen = os.environ.get(WORKERS_VARIABLE, "").strip()
    if chosen.isdigit() and int(chosen) >= 1:
        return int(chosen) if hasattr(os, "fork") else 1
    if triples < PARALLEL_FROM or not hasattr(os, "fork"):
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    workers = max(1, min(cores, MAX_WORKERS))
    budget = memory.budget()
    return workers if budget is None else memory.processes_that_fit(triples, budget, workers)


def _cost(engine: "Engine", shape: "Shape", focus: dict) -> float:
    """A guess of the work of ``shape``: SPARQL targets first (their query alone can take
    seconds), then focus nodes × (1 + property shapes + SPARQL constraints)."""
    from cstrdf.fastshacl import _sh

    sg = engine.sg
    if shape not in focus:
        return float("inf")
    weight = 1 + len(sg.objects(shape.node, _sh("property"))) + 3 * len(sg.objects(shape.node, _sh("sparql")))
    return len(focus[shape]) * weight


def run(engine: "Engine", workers: int, meanwhile: Callable[[], None] | None = None) -> list["ValidationResult"]:
    """The results of ``engine`` (unsorted), with its shapes shared among ``workers`` processes
    (this one and ``workers - 1`` forked ones); this one calls ``meanwhile`` first, if given."""
    from cstrdf.fastshacl import _sh, result_of

    shapes = engine.targeted_shapes()
    if len(shapes) * 4 > _PIPE_BUFFER:  # the queue must fit in the pipe before the fork
        if meanwhile is not None:
            meanwhile()
        return _serial(engine)
    sg = engine.sg
    # focus nodes of shapes without SPARQL targets: cheap here, and shared by the fork
    focus = {shape: shape.focus_nodes() for shape in shapes if not sg.objects(shape.node, _sh("target"))}
    order = sorted(range(len(shapes)), key=lambda i: -_cost(engine, shapes[i], focus))
    # the queue of shape numbers is a pipe: a read of 4 bytes is atomic, and end of file says done
    queue_read, queue_write = os.pipe()
    _write_all(queue_write, b"".join(struct.pack("<I", i) for i in order))

    def work() -> list:
        results = []
        while True:
            chunk = os.read(queue_read, 4)
            if len(chunk) < 4:
                return results
            shape = shapes[struct.unpack("<I", chunk)[0]]
            results.extend(result_of(report, sg) for report in engine.validate_shape(shape, focus.get(shape)))

    children: list[tuple[int, int]] = []
    try:
        for _ in range(workers - 1):
            answer_read, answer_write = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child (coverage does not follow forks)
                os.close(answer_read)
                _child(work, answer_write)
            os.close(answer_write)
            children.append((pid, answer_read))
        if meanwhile is not None:
            meanwhile()
        results = work()
        while children:
            pid, answer_read = children.pop(0)
            status, payload = _receive(answer_read, pid)
            if status == "error":
                raise payload
            if status == "lost":  # a worker died (killed, out of memory): do its share here
                return _serial(engine)
            results.extend(payload)
        return results
    finally:
        os.close(queue_read)
        for pid, answer_read in children:  # an error here: stop the others
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            os.close(answer_read)


def _serial(engine: "Engine") -> list["ValidationResult"]:
    from cstrdf.fastshacl import result_of

    return [result_of(report, engine.sg) for report in engine.run()]


def _child(work, answer: int) -> None:  # pragma: no cover - runs in the child
    """Validate shapes from the queue, send the results (or the error) and exit at once (no
    atexit handlers, no flushing of buffers inherited from the parent)."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops the worker
        try:
            payload = pickle.dumps(("ok", work()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as error:  # noqa: BLE001 - every failure goes to the parent
            try:
                payload = pickle.dumps(("error", error))
            except Exception:  # noqa: BLE001 - an error that does not pickle
                payload = pickle.dumps(("error", RuntimeError(f"a validation worker failed: {error!r}")))
        _write_all(answer, payload)
    finally:
        os._exit(0)


def _write_all(fd: int, data: bytes) -> None:
    """Write ``data`` and close ``fd``."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)


def _receive(fd: int, pid: int) -> tuple[str, object]:
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    os.waitpid(pid, 0)
    if not chunks:
        return "lost", None
    try:
        return pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - a truncated answer: the worker died while writing
        return "lost", None
