"""A breakpoint whose stop() returns False: it runs Python at every hit and never stops."""

import gdb


class Count(gdb.Breakpoint):
    def __init__(self, spec: str) -> None:
        super().__init__(spec)
        self.seen: list[str] = []

    def stop(self) -> bool:
        item = gdb.selected_frame().read_var("it")
        self.seen.append(item["name"].string())
        return False                         # carry on: the program never stops here


counter = Count("value_of")
gdb.execute("run")
print("value_of was called for", counter.seen, "- hit_count", counter.hit_count)
