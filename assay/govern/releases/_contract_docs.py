"""The contract a release was made under, shipped inside it: as assay YAML and as ODCS.

A pilot base reads the release's terms with the tools it already has (datacontract-cli,
OpenMetadata) from ``odcs.yaml``, an Open Data Contract Standard v3.1.0 document, without
assay installed; ``<name>.yaml`` is the same contract in assay's own format (named so that
``assay contracts lint`` and a site's contracts folder take it as it is), which
``assay contracts import`` would produce from the ODCS file. Both are listed in the manifest
with their sha256, like the card and the Croissant file.
"""

from __future__ import annotations

from schemas import Contract, dump_contract, dump_odcs

ODCS = "odcs.yaml"
YAML = "application/yaml; charset=utf-8"


def contract_documents(contract: Contract) -> dict[str, tuple[bytes, str]]:
    """Path inside the release -> (bytes, content type) of the contract's two documents."""
    return {
        f"{contract.name}.yaml": (dump_contract(contract).encode(), YAML),
        ODCS: (dump_odcs(contract).encode(), YAML),
    }
