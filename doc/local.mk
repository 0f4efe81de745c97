# doc/: the protocol reference, the simulator, the operator's guide, man pages
dist_doc_DATA += doc/protocol.md doc/simulator.md doc/operations.md \
	doc/xenlightd.service
dist_man_MANS += doc/xenlightd.8
