/**
 * IP accounting and firewall programs and maps, and how a unit's policy lands on its cgroup.
 */
package dev.tollgate.accounting;
