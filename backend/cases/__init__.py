"""Cases: reports of city problems and the closed loop that handles them."""
