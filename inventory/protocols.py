"""What inventory reads of the orders it serves, as Protocols: inventory sits below orders and
never imports it (docs/architecture.md). An orders.OrderLine / orders.Order satisfies them as they
are; the Allocation.order_line foreign key stays a string reference ("orders.OrderLine") and
queries reach the order through it by name (`order_line__order_id`)."""

from __future__ import annotations

from typing import Protocol


class AllocationLine(Protocol):
    """An order line to hold stock for (stock_allocate)."""

    @property
    def pk(self) -> int: ...

    @property
    def variant_id(self) -> int | None: ...

    @property
    def quantity(self) -> int: ...

    @property
    def sku(self) -> str: ...


class OrderRef(Protocol):
    """An order whose allocations are released or shipped (its number is the ledger reference)."""

    @property
    def pk(self) -> int: ...

    @property
    def number(self) -> str: ...
