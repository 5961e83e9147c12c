"""Disruption and availability: a prober that samples targets every ≤ 100 ms while a fault
acts on the cluster (`availability`, on the targets a stack declares: `availability_targets`),
the figures of its samples (`outages`), and draining a node as kubectl does (`node_drain`).
The node restart itself is the cluster's `restart_node()`."""
