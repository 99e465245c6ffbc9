"""gdb.events: react to what happens, without a command or a breakpoint of your own."""

import os

import gdb


def on_new_objfile(event: gdb.NewObjFileEvent) -> None:
    objfile = event.new_objfile
    # Leave out the kernel's [vdso] and files of separate debug information.
    if objfile.filename.startswith("/") and objfile.owner is None:
        print("loaded:", os.path.basename(objfile.filename))


def on_stop(event: gdb.StopEvent) -> None:
    if isinstance(event, gdb.BreakpointEvent):
        numbers = [b.number for b in event.breakpoints]
        print(f"stopped at breakpoint {numbers} in {gdb.selected_frame().name()}")
    elif isinstance(event, gdb.SignalEvent):
        print("stopped by", event.stop_signal)


def on_exited(event: gdb.ExitedEvent) -> None:
    code = event.exit_code if hasattr(event, "exit_code") else "unknown"
    print("the program exited with code", code)
    for registry, handler in HANDLERS:
        registry.disconnect(handler)


HANDLERS = [(gdb.events.new_objfile, on_new_objfile), (gdb.events.stop, on_stop),
            (gdb.events.exited, on_exited)]
for registry, handler in HANDLERS:
    registry.connect(handler)
