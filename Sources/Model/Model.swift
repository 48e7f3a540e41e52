// Model target; see DESIGN §2.
