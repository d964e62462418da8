"""The rules of notices with no Django: the states a notice passes through, the retry schedule, and the
filling of a policy's notice template."""
