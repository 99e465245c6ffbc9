"""Pretty-printers for struct item and struct shelf, as one named collection."""

from collections.abc import Iterator

import gdb
import gdb.printing


class ItemPrinter:
    """struct item as 'tea: 10 at 3.25'."""

    def __init__(self, value: gdb.Value) -> None:
        self.value = value

    def to_string(self) -> str:
        name = self.value["name"]
        label = name.string() if name else "(empty)"
        return f"{label}: {int(self.value['qty'])} at {float(self.value['price']):.2f}"


class ShelfPrinter:
    """struct shelf as its label and the items in use, shown as an array."""

    def __init__(self, value: gdb.Value) -> None:
        self.value = value

    def to_string(self) -> str:
        return f"{self.value['label'].string()}, {int(self.value['used'])} items"

    def children(self) -> Iterator[tuple[str, gdb.Value]]:
        items = self.value["items"]
        for i in range(int(self.value["used"])):
            yield f"[{i}]", items[i]        # a gdb.Value: printed by ItemPrinter in turn

    def display_hint(self) -> str:
        return "array"


def build() -> gdb.printing.RegexpCollectionPrettyPrinter:
    collection = gdb.printing.RegexpCollectionPrettyPrinter("shelf")
    collection.add_printer("item", "^item$", ItemPrinter)
    collection.add_printer("shelf", "^shelf$", ShelfPrinter)
    return collection


# gdb.current_objfile() is the program when gdb auto-loads this file beside it,
# None when it is sourced by hand (then the printers apply everywhere).
gdb.printing.register_pretty_printer(gdb.current_objfile(), build(), replace=True)
