"""`items SHELF`: a gdb command that lists what a struct shelf holds."""

import gdb


def shelf_variables() -> list[str]:
    """The names of the program's global variables that are a struct shelf."""
    symtab = gdb.decode_line("main")[1][0].symtab
    return sorted(symbol.name for symbol in symtab.global_block()
                  if symbol.is_variable and symbol.type.strip_typedefs().tag == "shelf")


class Items(gdb.Command):
    """List the items on a shelf.

    Usage: items EXPRESSION
    EXPRESSION is a struct shelf, or a pointer to one: 'items pantry', 'items s'.
    """

    def __init__(self) -> None:
        super().__init__("items", gdb.COMMAND_DATA)

    def invoke(self, argument: str, from_tty: bool) -> None:
        if not argument.strip():
            raise gdb.GdbError("items: give an expression, as in 'items pantry'")
        try:
            shelf = gdb.parse_and_eval(argument)
            if shelf.type.strip_typedefs().code == gdb.TYPE_CODE_PTR:
                shelf = shelf.dereference()
            if shelf.type.strip_typedefs().tag != "shelf":
                raise gdb.GdbError(f"items: '{argument}' has type {shelf.type}, "
                                   "not struct shelf")
            rows = [(item["name"].string(), int(item["qty"]), float(item["price"]))
                    for item in (shelf["items"][i] for i in range(int(shelf["used"])))]
        except gdb.error as error:  # no such symbol, unreadable memory, ...
            raise gdb.GdbError(f"items: {error}") from None
        for name, qty, price in rows:
            print(f"{name:6} {qty:3} at {price:5.2f}")
        if from_tty:
            print(f"({len(rows)} items)")

    def complete(self, text: str, word: str | None) -> list[str]:
        # gdb may call this first with word None, to learn where words break.
        return [name for name in shelf_variables() if name.startswith(word or "")]


class ItemsUnchecked(gdb.Command):
    """The same without the checks: what a user sees when an exception escapes."""

    def __init__(self) -> None:
        super().__init__("items-unchecked", gdb.COMMAND_DATA)

    def invoke(self, argument: str, from_tty: bool) -> None:
        shelf = gdb.parse_and_eval(argument)
        for i in range(int(shelf["used"])):
            print(shelf["items"][i]["name"].string())


Items()
ItemsUnchecked()
