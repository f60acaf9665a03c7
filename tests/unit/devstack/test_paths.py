"""The stack finds the repository's files it needs, wherever its modules live."""

from assay.devstack.stack import airflow, kafka


def test_the_dags_folder_holds_the_pipeline_dags() -> None:
    assert (airflow.DAGS / "assay_pipeline.py").is_file()


def test_the_broker_pom_exists() -> None:
    assert kafka.POM.is_file()
    assert kafka.POM.parent.name == "kafka"
