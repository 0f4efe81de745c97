# The normalisation of scenario 10 (the xl -N oracle): applied to both
# `xl -N create FILE` and the daemon's domain-config, with jq -S (keys
# sorted).  Each rule is justified in doc/xl-config.md ("The oracle").
#   --argjson random_uuid true|false: the file gives no uuid
#   --argjson has_rdm true|false: the file gives rdm
# 1. A config without uuid gets a random one (xl and the daemon each).
(if $random_uuid then del(.c_info.uuid) else . end)
# 2. ms_vm_genid = "generate" is random by definition.
| del(.b_info."type.hvm".ms_vm_genid)
# 3. With rdm, xl copies the policy from an uninitialised variable, and
#    every PCI device inherits it.
| (if $has_rdm then del(.b_info."type.hvm".rdm.policy)
	| (if .pcidevs then .pcidevs |= map(del(.rdm_policy)) else . end)
	else . end)
