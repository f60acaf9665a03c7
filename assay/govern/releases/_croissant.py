"""Croissant 1.1 JSON-LD (``croissant.json``) with the Responsible AI fields of RAI 1.0.

A pure function of the manifest (without ``documents``) and the contract:

* distribution: one ``cr:FileObject`` per data file (relative ``contentUrl``, ``sha256``,
  size) and a ``cr:FileSet`` over all of them (``data/**/*.parquet``, Hive-style folders);
* the ``cr:RecordSet`` ``readings`` over the FileSet, with a typed ``cr:Field`` per
  released column, the contract's key as ``key``, and per field ``cr:annotation``
  sub-fields carrying unit, classification, personal flag and masking treatment;
* one RecordSet ``file:<path>`` per data file, sourced from its FileObject: Croissant
  readers (mlcroissant) check a FileObject's sha256 when they read it, not a FileSet's,
  so these are the checksum-verified way in;
* the ``splits`` RecordSet (``cr:Split``): one documented split, ``train``, holding every
  record. Readings of one device are a time series: a random train/validation/test cut
  leaks neighbouring readings across splits, so the pilot base cuts by event time (or by
  site, or device) for its own model; the card says so;
* provenance as PROV-O (``prov:wasDerivedFrom``, ``prov:wasGeneratedBy``, see `_provenance`);
* RAI: collection (type, timeframe, raw data), missing data, preprocessing and
  manipulation protocols, personal and sensitive information, use cases, limitations and
  the maintenance plan; licence, version and publication date.

``conformsTo`` names Croissant 1.1 and RAI 1.0 (there is no RAI 1.1). The RAI term for the
collection timeframe is written as the RAI 1.0 specification spells it
(``rai:dataCollectionTimeframe``).
"""

from __future__ import annotations

from typing import Any

from assay.govern.releases._provenance import prov
from assay.store.layout import RELEASE_GLOB
from schemas import Contract, label

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
RAI_CONFORMS_TO = "http://mlcommons.org/croissant/RAI/1.0"
RECORD_SET = "readings"
SPLITS = "splits"
FILE_SET = "parquet-files"
PARQUET = "application/x-parquet"

_DATA_TYPES = {
    "string": "sc:Text",
    "enum": "sc:Text",
    "int64": "sc:Integer",
    "float64": "sc:Float",
    "bool": "sc:Boolean",
    "timestamp": "sc:DateTime",
    "date": "sc:Date",
    "binary_ref": "sc:Text",
    "float64_list": "sc:Float",
}


def context() -> dict[str, Any]:
    """The Croissant 1.1 ``@context`` (with the RAI and Dublin Core prefixes)."""
    terms = [
        "arrayShape",
        "citeAs",
        "column",
        "containedIn",
        "data",
        "dataType",
        "equivalentProperty",
        "examples",
        "extract",
        "field",
        "fileObject",
        "fileProperty",
        "fileSet",
        "format",
        "includes",
        "isArray",
        "isLiveDataset",
        "jsonPath",
        "key",
        "md5",
        "parentField",
        "path",
        "recordSet",
        "references",
        "regex",
        "repeated",
        "replace",
        "samplingRate",
        "separator",
        "source",
        "subField",
        "transform",
        "annotation",
    ]
    ctx: dict[str, Any] = {"@language": "en", "@vocab": "https://schema.org/"}
    ctx.update({t: f"cr:{t}" for t in terms})
    ctx.update(
        conformsTo="dct:conformsTo",
        cr="http://mlcommons.org/croissant/",
        rai="http://mlcommons.org/croissant/RAI/",
        dct="http://purl.org/dc/terms/",
        sc="https://schema.org/",
        prov="http://www.w3.org/ns/prov#",
        data={"@id": "cr:data", "@type": "@json"},
        dataType={"@id": "cr:dataType", "@type": "@vocab"},
        examples={"@id": "cr:examples", "@type": "@json"},
    )
    return dict(sorted(ctx.items()))


def croissant(manifest: dict[str, Any], contract: Contract, location: str = "") -> dict[str, Any]:
    """The Croissant document of a release; ``location`` is where the release lives (an
    absolute ``s3://bucket/contract/version/`` URL), its ``url``: a relative one says nothing
    once the file is copied away from the release."""
    release, c = manifest["release"], manifest["contract"]
    return {
        "@context": context(),
        "@type": "sc:Dataset",
        "conformsTo": [CONFORMS_TO, RAI_CONFORMS_TO],
        "name": f"{c['name']}-{release['version']}",
        "alternateName": [c["title"]["zh"], c["title"]["en"]],
        "description": f"{c['description']['en']} / {c['description']['zh']}",
        "version": release["version"],
        "datePublished": release["created"],
        "license": release["licence"],
        "url": location or f"{c['name']}/{release['version']}/",
        "inLanguage": ["zh", "en"],
        "creator": {"@type": "sc:Organization", "name": c["owner"]},
        "keywords": [c["scenario"], label(contract.scenario), label(contract.scenario, "en")],
        "citeAs": f"{c['title']['en']} ({c['name']}), release {release['version']}, "
        f"{release['created'][:10]}",
        "isLiveDataset": False,
        "distribution": distribution(manifest),
        "recordSet": [
            record_set(manifest, contract),
            *(file_record_set(manifest, contract, f["path"]) for f in manifest["files"]),
            splits(),
        ],
        **prov(manifest),
        **rai(manifest, contract),
    }


def distribution(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """A FileObject per data file (with sha256) and the FileSet over them."""
    objects = [
        {
            "@type": "cr:FileObject",
            "@id": f["path"],
            "name": f["path"],
            "contentUrl": f["path"],
            "contentSize": f"{f['size']} B",
            "encodingFormat": PARQUET,
            "sha256": f["sha256"],
        }
        for f in manifest["files"]
    ]
    file_set = {
        "@type": "cr:FileSet",
        "@id": FILE_SET,
        "name": FILE_SET,
        "description": "Every Parquet data file of the release.",
        "encodingFormat": PARQUET,
        "includes": RELEASE_GLOB,
    }
    return [*objects, file_set]


def record_set(manifest: dict[str, Any], contract: Contract) -> dict[str, Any]:
    """The ``readings`` RecordSet over every file: typed fields, key, annotations."""
    source = {"fileSet": {"@id": FILE_SET}}
    return {
        "@type": "cr:RecordSet",
        "@id": RECORD_SET,
        "name": RECORD_SET,
        "description": f"One reading per row: {contract.title.en} / {contract.title.zh}.",
        **_structure(manifest, contract, RECORD_SET, source, annotated=True),
    }


def splits() -> dict[str, Any]:
    """The one split of a release, ``train``: every record (see the module docstring)."""
    return {
        "@type": "cr:RecordSet",
        "@id": SPLITS,
        "name": SPLITS,
        "dataType": "cr:Split",
        "description": "One split, train, holds every record. Readings are time series: the "
        "pilot base cuts validation and test sets by event time, site or device for its model.",
        "key": {"@id": f"{SPLITS}/name"},
        "field": [
            {"@type": "cr:Field", "@id": f"{SPLITS}/name", "name": "name", "dataType": "sc:Text"},
            {"@type": "cr:Field", "@id": f"{SPLITS}/url", "name": "url", "dataType": "sc:URL"},
        ],
        "data": [{f"{SPLITS}/name": "train", f"{SPLITS}/url": "cr:TrainingSplit"}],
    }


def file_record_set(manifest: dict[str, Any], contract: Contract, path: str) -> dict[str, Any]:
    """The readings of one file: reading them downloads that FileObject and checks its sha256."""
    record_id = "file:" + path
    return {
        "@type": "cr:RecordSet",
        "@id": record_id,
        "name": record_id,
        "description": f"The readings of {path} alone, checksum-verified.",
        **_structure(manifest, contract, record_id, {"fileObject": {"@id": path}}, annotated=False),
    }


def _structure(
    manifest: dict[str, Any],
    contract: Contract,
    record_id: str,
    source: dict[str, Any],
    annotated: bool,
) -> dict[str, Any]:
    released = [f for f in manifest["fields"] if f["treatment"] != "dropped"]
    names = {f["name"] for f in released}
    return {
        "key": [{"@id": f"{record_id}/{k}"} for k in contract.key if k in names],
        "field": [_field(f, contract, record_id, source, annotated) for f in released],
    }


def _field(
    item: dict[str, Any],
    contract: Contract,
    record_id: str,
    source: dict[str, Any],
    annotated: bool,
) -> dict[str, Any]:
    name = item["name"]
    kind = "string" if item["treatment"] == "pseudonymised" else _kind(name, contract)
    field: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": f"{record_id}/{name}",
        "name": name,
        "dataType": _DATA_TYPES[kind],
        "source": {**source, "extract": {"column": name}},
    }
    if kind == "float64_list":
        field["isArray"] = True
    if annotated:
        field["description"] = f"{item['description']['en']} / {item['description']['zh']}"
        field["annotation"] = _annotations(item, record_id)
    return field


def _kind(name: str, contract: Contract) -> str:
    from schemas import all_fields

    return str(all_fields(contract)[name].type)


def _annotations(item: dict[str, Any], record_id: str) -> list[dict[str, Any]]:
    values = {
        "unit": item["unit"],
        "classification": item["classification"],
        "personal": "true" if item["personal"] else "false",
        "treatment": item["treatment"],
    }
    return [
        {
            "@type": "cr:Field",
            "@id": f"{record_id}/{item['name']}/{key}",
            "name": key,
            "dataType": "sc:Text",
            "value": value,
        }
        for key, value in values.items()
        if value is not None
    ]


def rai(manifest: dict[str, Any], contract: Contract) -> dict[str, Any]:
    """The RAI properties of a release."""
    q, totals, masking = manifest["quality"], manifest["totals"], manifest["masking"]
    segments = manifest["lineage"]["segments"]
    timeframe = [t for t in (totals["first_event"], totals["last_event"]) if t]
    completeness = next(d for d in q["dimensions"] if d["dimension"] == "completeness")
    return {
        "rai:dataCollection": (
            f"Readings sent by edge producers at {len(totals['sites'])} site(s) from "
            f"{len(totals['devices'])} device(s) through Apache Kafka, landed as raw Parquet "
            "exactly once, validated against the data contract "
            f"{contract.name} {contract.version} with Great Expectations."
        ),
        "rai:dataCollectionType": ["Direct measurement", "Software Collection"],
        "rai:dataCollectionTimeframe": timeframe,
        "rai:dataCollectionRawData": (
            f"{len(segments)} raw Kafka segment(s) (topic, partition, offset range) listed "
            "in manifest.json under lineage.segments; raw objects stay in the raw bucket."
        ),
        "rai:dataCollectionMissingData": (
            f"Rows that failed an error rule are not in this release: {q['quarantined']} "
            f"quarantined, {q['duplicates']} duplicate(s) dropped, {q['dead_readings']} "
            f"undecodable, of {q['readings']} readings in the source segments. Completeness "
            f"score {completeness['score']}. Nullable fields may be null where the device "
            "does not measure them (see the field descriptions)."
        ),
        "rai:dataPreprocessingProtocol": [
            "Duplicates by (producer_id, seq) dropped.",
            "Rows validated against the contract's rules; failing rows quarantined.",
            "Curated rows merged per date and site, sorted by device_id, event_time, "
            "producer_id, seq; written as zstd Parquet.",
        ],
        "rai:dataManipulationProtocol": (
            f"Restricted (L3 or personal) fields: dropped {masking['dropped'] or 'none'}; "
            f"pseudonymised with {masking['method']} {masking['pseudonymised'] or 'none'}; "
            f"granted as is {masking['granted'] or 'none'}."
        ),
        "rai:personalSensitiveInformation": _personal(manifest),
        "rai:dataUseCases": (
            f"{label(contract.scenario, 'en')} ({label(contract.scenario)}): model training "
            "and evaluation at a pilot base."
        ),
        "rai:dataLimitations": (
            f"Covers {manifest['window']['from']} to {manifest['window']['to']} only, at the "
            f"sites listed; quality scores are computed over whole source segments ({q['basis']})."
        ),
        "rai:dataReleaseMaintenancePlan": (
            "Releases are immutable (S3 object lock until "
            f"{manifest['lock']['retain_until']}); corrections come as a new version."
        ),
    }


def _personal(manifest: dict[str, Any]) -> str:
    personal = [f["name"] for f in manifest["fields"] if f["personal"]]
    if not personal:
        return "No field of the contract is personal data."
    treated = {f["name"]: f["treatment"] for f in manifest["fields"]}
    return "Personal fields: " + ", ".join(f"{n} ({treated[n]})" for n in personal) + "."
