#!/bin/bash
# topo_asymmetric: topologies/asymmetric.json comes up as the file says,
# checked through ip/tc with the expected values read from the file by jq;
# it carries an MPTCP transfer (`mptcp-lab xfer`, 4 MiB) that ends with one
# subflow per path; and it goes down without a trace (no namespace, no
# registry entry, root namespace as before).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mpl_init
mpl_topo_updown_test asymmetric 4194304
