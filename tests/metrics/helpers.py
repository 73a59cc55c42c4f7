"""Reading `/metrics` back as Prometheus would: the text format parsed by the client
library's own parser, samples looked up by name and labels."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

# A token of the right shape (HOSTOLINK_METRICS_TOKEN: 24 characters at least).
TOKEN = "jeton-de-supervision-" + "x" * 24


@dataclass
class Scrape:
    text: str
    families: set[str] = field(default_factory=set)
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = field(default_factory=dict)

    def value(self, name: str, **labels: str) -> float | None:
        return self.samples.get((name, frozenset(labels.items())))

    def matching(self, name: str, **labels: str) -> list[tuple[dict[str, str], float]]:
        """Samples of `name` whose labels include `labels`."""
        wanted = set(labels.items())
        return [
            (dict(key), value)
            for (sample, key), value in self.samples.items()
            if sample == name and wanted <= key
        ]

    def has_samples(self, family: str) -> bool:
        return any(name == family or name.startswith(family + "_") for name, _ in self.samples)


def parse(text: str) -> Scrape:
    scrape = Scrape(text)
    for family in text_string_to_metric_families(text):
        scrape.families.add(family.name)
        for sample in family.samples:
            scrape.samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return scrape


async def scrape(client: httpx.AsyncClient, token: str | None = None) -> Scrape:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return parse(response.text)


def current(name: str, **labels: str) -> float:
    """A sample of this process's default registry (0 when absent): tests compare before
    and after, the registry living as long as the test session."""
    return REGISTRY.get_sample_value(name, labels) or 0.0
