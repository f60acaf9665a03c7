"""The stack finds the repository's files it needs, wherever its modules live."""

from assay.devstack.stack import airflow, kafka


def test_the_dags_folder_holds_the_pipeline_dags() -> None:
    assert (airflow.DAGS / "assay_pipeline.py").is_file()


def test_the_broker_pom_exists() -> None:
    assert kafka.POM.is_file()
    assert kafka.POM.parent.name == "kafka"


def test_a_cluster_id_starting_with_a_dash_stays_the_options_value() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--cluster-id", "-t")
    for cluster_id in ("-AbC_def-123", kafka.random_cluster_id()):
        parsed = parser.parse_args([kafka.cluster_id_arg(cluster_id)])
        assert parsed.cluster_id == cluster_id
