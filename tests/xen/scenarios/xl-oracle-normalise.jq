# The normalisation of scenario 10 (the xl -N oracle): applied to both
# `xl -N create FILE` and the daemon's domain-config, with jq -S (keys
# sorted).  Each rule is justified in doc/xl-config.md ("The oracle").
#   --argjson random_uuid true|false: the config gives no uuid
# 1. A config without uuid gets a random one (xl and the daemon each).
(if $random_uuid then del(.c_info.uuid) else . end)
# 2. ms_vm_genid = "generate" is random by definition.
| del(.b_info."type.hvm".ms_vm_genid)
