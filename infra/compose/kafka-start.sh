#!/bin/sh
# The compose file's Kafka broker, secured as `assay stack up` secures the local one: SASL_SSL
# with SCRAM-SHA-512 for clients, mutual TLS on the controller listener, StandardAuthorizer that
# denies what no ACL allows. Every secret is a Docker secret (a file under /run/secrets); the
# SCRAM principals are added when the storage is first formatted.
set -eu

secret() { tr -d '\n' < "/run/secrets/$1"; }

config=/tmp/server.properties
umask 077
cat > "$config" <<PROPERTIES
process.roles=broker,controller
node.id=1
listeners=CLIENT://:9092,CONTROLLER://127.0.0.1:9093
advertised.listeners=CLIENT://kafka:9092
listener.security.protocol.map=CLIENT:SASL_SSL,CONTROLLER:SSL
inter.broker.listener.name=CLIENT
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:9093
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="$(secret kafka_broker_password)";
ssl.keystore.type=PEM
ssl.keystore.location=/run/secrets/kafka_broker_pem
ssl.truststore.type=PEM
ssl.truststore.location=/run/secrets/kafka_ca_pem
listener.name.controller.ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=([^,]+)\$/\$1/,DEFAULT
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:broker
log.dirs=/var/lib/kafka/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
message.max.bytes=10485760
PROPERTIES

if [ ! -f /var/lib/kafka/data/meta.properties ]; then
  scram="SCRAM-SHA-512"
  /opt/kafka/bin/kafka-storage.sh format --standalone -c "$config" \
    -t "$(/opt/kafka/bin/kafka-storage.sh random-uuid)" \
    --add-scram "$scram=[name=broker,password=$(secret kafka_broker_password)]" \
    --add-scram "$scram=[name=admin,password=$(secret kafka_admin_password)]" \
    --add-scram "$scram=[name=ingest,password=$(secret kafka_ingest_password)]" \
    --add-scram "$scram=[name=watcher,password=$(secret kafka_watcher_password)]"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$config"
