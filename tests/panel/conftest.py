import pytest

from tests.factories.panel import panel_member


@pytest.fixture
def board(db):
    """Four panel members and a chair, each with a current membership."""

    class Board:
        members = [panel_member(email=f"pm{i}@example.org") for i in range(1, 5)]
        chair = panel_member(chair=True, email="pchair@example.org")

    return Board
