// Worker target; see DESIGN §2.
