"""``python -m producers.simulator``: simulate fleets to JSON lines (or Kafka) plus ground truth."""

from producers.simulator._cli import app

if __name__ == "__main__":
    app()
