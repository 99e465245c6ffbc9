"""`set shelf currency` / `show shelf currency`: a gdb.Parameter under a prefix."""

import gdb


class ShelfPrefix(gdb.Command):
    """Settings of the shelf commands."""

    def __init__(self, verb: str) -> None:
        super().__init__(f"{verb} shelf", gdb.COMMAND_DATA, prefix=True)


class Currency(gdb.Parameter):
    """EUR, USD or GBP; the default is EUR."""

    set_doc = "Set the currency that prices are shown in."
    show_doc = "Show the currency that prices are shown in."

    def __init__(self) -> None:
        super().__init__("shelf currency", gdb.COMMAND_DATA, gdb.PARAM_ENUM,
                         ["EUR", "USD", "GBP"])
        self.value = "EUR"

    def get_set_string(self) -> str:
        return ""  # `set` stays silent, as gdb's own settings do

    def get_show_string(self, value: str) -> str:
        return f"Prices are shown in {value}."


# Sourcing this file twice must not fail or register anything twice.
if not hasattr(gdb, "_shelf_settings_loaded"):
    ShelfPrefix("set")
    ShelfPrefix("show")
    Currency()
    gdb._shelf_settings_loaded = True
