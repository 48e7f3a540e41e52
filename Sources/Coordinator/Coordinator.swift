// Coordinator target; see DESIGN §2.
