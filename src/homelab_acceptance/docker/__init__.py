"""The Docker engine: reaching it as testcontainers finds it (`engine`), building the stack's
and the probe's images from local recipes (`local_images`), and saying so in one line when
its disk is full (`disk_full`)."""
