"""`fprof FUNCTION`: time each call with a FinishBreakpoint - the tempting way, shown failing."""

import time

import gdb


class Return(gdb.FinishBreakpoint):
    """One per call: set on the caller's resume address, for this frame only."""

    def __init__(self, frame: gdb.Frame, call: str) -> None:
        super().__init__(frame, internal=True)
        self.call, self.started = call, time.perf_counter()

    def stop(self) -> bool:
        print(f"  {self.call} returned {self.return_value}")
        return False

    def out_of_scope(self) -> None:
        print(f"  {self.call}: out of scope, its return was never seen")


class Entry(gdb.Breakpoint):
    def stop(self) -> bool:
        frame = gdb.newest_frame()
        args = ", ".join(str(sym.value(frame)) for sym in frame.block() if sym.is_argument)
        call = f"{frame.name()}({args})"
        print(call)
        Return(frame, call)
        return False


class Fprof(gdb.Command):
    """Time every call of FUNCTION with a FinishBreakpoint per call."""

    def __init__(self) -> None:
        super().__init__("fprof", gdb.COMMAND_RUNNING, gdb.COMPLETE_SYMBOL)

    def invoke(self, argument: str, from_tty: bool) -> None:
        Entry(argument)


Fprof()
