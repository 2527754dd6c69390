"""manage.py recommendations_rebuild: recompute every stored list now, with a progress bar."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from recommendations.services import recommendations_rebuild


class Command(BaseCommand):
    help = "Rebuild the recommendation lists (similar, also bought, trending, for you) from events."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, no_progress: bool = False, **options):
        bar = tqdm(total=4, desc="rebuild", unit="step", disable=no_progress, file=self.stderr)

        def progress(step: str, done: int, total: int) -> None:
            bar.set_postfix_str(step)
            bar.n = done
            bar.refresh()

        try:
            counts = recommendations_rebuild(progress=progress)
        finally:
            bar.close()
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count}")
