//! The report's last section: how the figures were measured, on what set-up.

use std::fmt::Write as _;

use crate::bench::BenchResults;
use crate::bench::broker::{
    CONFIRMATION_PATH_FETCH_WAIT_MS, READS_FETCH_WAIT_MS, TOPIC_PARTITIONS,
};

pub(super) fn write(out: &mut String, r: &BenchResults) {
    let _ = writeln!(
        out,
        "## How it was measured\n\n\
         - `shopctl load` (reqwest, HTTP/1.1 keep-alive, one connection per concurrent request) \
         runs on the same machine as the platform and its servers, so they share the {} CPUs; \
         it was built {}.\n\
         - Closed loop: N connections, each sending its next request when the last answer is \
         read. Open loop: requests at fixed intervals whatever the answers, over at most N \
         connections (a request due while all are busy waits for one), latency from the \
         scheduled time (no coordinated omission).\n\
         - Latencies of successful requests, HDR histograms (3 significant digits); failures \
         counted by status.\n\
         - Services on ports {}.., warm-up of {:?} before the first scenario.\n\
         - PostgreSQL: databases of the run's own, empty at its start and dropped at its \
         end; Redis: the products cache under a key prefix of the run's own. MongoDB is \
         shared: carts are per user, and the run's users are new.\n\
         - Kafka: a tansu broker of the run's own with its in-memory storage engine. The local tansu of \
         `scripts/infra.sh` stores on SQLite, which serialises writes: at 200 orders/s its \
         produce answers took over 10 s. Production runs Kafka. tansu holds every fetch for \
         the consumer's fetch wait, data or not. Stock and orders, the consumers between an \
         accepted order and its confirmation, wait {} ms in the read scenarios (what they \
         would use against Kafka, which answers as soon as data arrives; a fetch the broker \
         answers wakes threads that requests queue behind). Before `buy` they are restarted \
         with a {} ms wait (a fetch is cheap in memory; the services' default of 20 ms suits \
         the SQLite engine), and a few unmeasured orders go through them; their peak and \
         after-the-run RSS below are those of the restarted processes. A \
         `KAFKA_FETCH_WAIT_MS` set for the run holds throughout instead. The consumers nobody waits for \
         (shipping, notification, orders' shipments) wait 1 s, the services' default. The \
         in-memory engine lists every record of a partition on each fetch that finds data, so \
         the broker's CPU per fetch grows with the records a run adds (see its column under CPU \
         per request); the run's topics have {} partitions (the services' default is 3) to \
         keep those lists short, unless `KAFKA_TOPIC_PARTITIONS` is set for the run.\n\
         - Idle RSS: `VmRSS` after every service reported healthy, before any request. \
         Peak: `VmHWM` at the end.\n\
         - accepted → confirmed: from the order's `createdAt` to its `confirmedAt`, both recorded \
         by the orders service with one clock (the start of the transaction that created it, and \
         of the one that confirmed it), so polling neither adds to it nor limits its \
         resolution. 201 → seen confirmed: from the checkout's answer to the first poll that \
         sees the order `confirmed` (or later), what a client polling every {:?} sees; its \
         resolution is the poll interval, coarser under the poll budget. Lost: accepted, and \
         still neither confirmed nor cancelled when looked at a last time, 30 s after the run.",
        r.machine.cpus,
        if cfg!(debug_assertions) {
            "WITHOUT optimisations (debug): its figures are not the platform's"
        } else {
            "with optimisations (release)"
        },
        r.options.port_base,
        r.options.warmup,
        READS_FETCH_WAIT_MS,
        CONFIRMATION_PATH_FETCH_WAIT_MS,
        TOPIC_PARTITIONS,
        r.options.poll_interval
    );
}
