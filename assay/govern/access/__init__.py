"""Access roles on the S3 server: users with generated keys and one bucket policy per bucket;
and Kafka's principals with their ACLs.

The servers enforce every rule (Versity Gateway's internal IAM and bucket policies, Kafka's
StandardAuthorizer); assay only writes the users, policies and ACLs, see
`assay.govern.access._policy` and `assay.govern.access._kafka` for what each role may do.
"""

from assay.govern.access._admin import Account, GatewayAdmin
from assay.govern.access._apply import (
    Applied,
    RoleBackend,
    VersityBackend,
    apply,
    effective_grants,
    exported_policies,
    planned_policies,
    role_keys,
)
from assay.govern.access._credentials import RoleKeys, keys_file, load
from assay.govern.access._errors import AccessError, AdminApiError
from assay.govern.access._grants import add_grant, load_grants, merge_grants
from assay.govern.access._kafka import (
    KafkaGrant,
    apply_kafka_grants,
    gateway_kafka_grants,
    pipeline_kafka_grants,
    set_kafka_password,
    stack_kafka_grants,
)
from assay.govern.access._policy import (
    CLAIMS_PREFIX,
    EDGE,
    FIXED_ROLES,
    PIPELINE,
    RELEASER,
    STEWARD,
    Principals,
    bucket_policies,
    identity_policies,
    pilot_role,
)
from assay.pipeline.validate.signers import (
    IdentityKey,
    IdentityKeyError,
    Signers,
    default_patterns,
    identity_key,
    load_signers,
    register_signer,
    write_signing_key,
)

__all__ = [
    "CLAIMS_PREFIX",
    "EDGE",
    "FIXED_ROLES",
    "PIPELINE",
    "RELEASER",
    "STEWARD",
    "AccessError",
    "Account",
    "AdminApiError",
    "Applied",
    "GatewayAdmin",
    "IdentityKey",
    "IdentityKeyError",
    "KafkaGrant",
    "Principals",
    "RoleBackend",
    "RoleKeys",
    "Signers",
    "VersityBackend",
    "add_grant",
    "apply",
    "apply_kafka_grants",
    "bucket_policies",
    "default_patterns",
    "effective_grants",
    "exported_policies",
    "gateway_kafka_grants",
    "identity_key",
    "identity_policies",
    "keys_file",
    "load",
    "load_grants",
    "load_signers",
    "merge_grants",
    "pilot_role",
    "pipeline_kafka_grants",
    "planned_policies",
    "register_signer",
    "role_keys",
    "set_kafka_password",
    "stack_kafka_grants",
    "write_signing_key",
]
