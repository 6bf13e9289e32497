/* placeholder until the dashboard bundle lands */
document.getElementById("app").textContent = "humsec dashboard";
