"""Support's forms: the customer's (`customer`) and the staff's (`staff`)."""
