package io.stepstream.devkafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaIT {

    private static final String TOPIC = "events";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    @Timeout(120)
    void producesAndConsumesOnLoopback() throws Exception {
        long started = System.nanoTime();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir)) {
            report("in-process start (format + start)", started);
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
            assertThat(kafka.dataDir()).isEqualTo(dataDir.toAbsolutePath().normalize());
            createTopic(kafka.bootstrapServers(), TOPIC);

            produce(kafka.bootstrapServers(), Map.of(), "k1", "hello");

            // A consumer group exercises the group coordinator and __consumer_offsets on the single node.
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(kafka.bootstrapServers(), Map.of(
                    ConsumerConfig.GROUP_ID_CONFIG, "group-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")))) {
                consumer.subscribe(List.of(TOPIC));
                List<ConsumerRecord<String, String>> records = pollUntil(consumer, 1);
                assertThat(records).extracting(ConsumerRecord::key, ConsumerRecord::value)
                        .containsExactly(tuple("k1", "hello"));
                consumer.commitSync();
            }
        }
    }

    @Test
    @Timeout(120)
    void restartOnTheSameDataDirectoryKeepsTheData() throws Exception {
        String firstBootstrap;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir)) {
            firstBootstrap = kafka.bootstrapServers();
            createTopic(kafka.bootstrapServers(), TOPIC);
            produce(kafka.bootstrapServers(), Map.of(), "k1", "survives a restart");
        }
        String clusterId = Files.readString(dataDir.resolve("cluster.id"));

        long restarted = System.nanoTime();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir)) {
            report("in-process restart on the same data dir", restarted);
            assertThat(kafka.bootstrapServers()).as("the previous port is reused while it is free").isEqualTo(firstBootstrap);
            assertThat(Files.readString(dataDir.resolve("cluster.id"))).as("not reformatted").isEqualTo(clusterId);
            assertThat(readAll(kafka.bootstrapServers(), "read_uncommitted", 1)).containsExactly("survives a restart");
        }
    }

    @Test
    @Timeout(240)
    void brokerInASeparateProcessSurvivesKillAndRestart() throws Exception {
        long started = System.nanoTime();
        try (BrokerProcess broker = BrokerProcess.start(dataDir)) {
            report("separate process start (JVM + format + start)", started);
            createTopic(broker.bootstrapServers(), TOPIC);
            produce(broker.bootstrapServers(), Map.of(ProducerConfig.ACKS_CONFIG, "all"), "k1", "acked before kill -9");
            long pid = broker.pid();

            broker.killHard();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();

            long restarted = System.nanoTime();
            broker.restart();
            report("separate process restart after kill -9", restarted);
            assertThat(broker.pid()).isNotEqualTo(pid);
            assertThat(readAll(broker.bootstrapServers(), "read_uncommitted", 1)).containsExactly("acked before kill -9");

            long stopped = System.nanoTime();
            broker.stop();
            report("separate process SIGTERM shutdown", stopped);
            assertThat(broker.isAlive()).isFalse();
        }
    }

    @Test
    @Timeout(120)
    void transactionsWorkOnTheSingleNodeBroker() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir)) {
            createTopic(kafka.bootstrapServers(), TOPIC);
            Properties props = producerProps(kafka.bootstrapServers(), Map.of(
                    ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID()));
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, "k1", "aborted"));
                producer.flush();
                producer.abortTransaction();

                producer.beginTransaction();
                producer.send(new ProducerRecord<>(TOPIC, "k2", "committed"));
                producer.commitTransaction();
            }

            assertThat(readAll(kafka.bootstrapServers(), "read_committed", 1)).containsExactly("committed");
        }
    }

    private static void createTopic(String bootstrap, String topic) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static void produce(String bootstrap, Map<String, Object> extra, String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps(bootstrap, extra))) {
            producer.send(new ProducerRecord<>(TOPIC, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    /** Values of the whole topic from the earliest offset, without a consumer group. */
    private static List<String> readAll(String bootstrap, String isolationLevel, int expected) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps(bootstrap, Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel)))) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            return pollUntil(consumer, expected).stream().map(ConsumerRecord::value).toList();
        }
    }

    private static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> consumer, int expected) {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
        while (records.size() < expected && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        // One more short poll: anything beyond what we expected (e.g. an aborted record) must show up in the result.
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        return records;
    }

    private static Properties producerProps(String bootstrap, Map<String, Object> extra) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.putAll(extra);
        return props;
    }

    private static Properties consumerProps(String bootstrap, Map<String, Object> extra) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.putAll(extra);
        return props;
    }

    private static void report(String what, long startedNanos) {
        System.out.printf("[EmbeddedKafkaIT] %s: %d ms%n", what, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
    }
}
