//! Virtual instances and their network interfaces (ENIs): what can be a member of a security group.
//! sgmock emulates no `RunInstances`; instances are declared (`PUT /_sgmock/instances`, the state
//! document) and only their membership changes through the API. Membership is kept per ENI; the
//! instance form of Join/Leave acts on the primary ENI (docs/reference/membership.md §1).

use super::error::DomainError;
use super::group::Scope;
use super::values::Problem;

/// Why a declaration of instances (`PUT /_sgmock/instances`, a state document) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeclareError {
    #[error("instance {0} is declared twice")]
    InstanceTwice(String),
    #[error("instance {0} needs exactly one primary network interface")]
    Primary(String),
    #[error("instance {0} exists in another account or region")]
    InstanceElsewhere(String),
    #[error("network interface {nic} already belongs to instance {instance}")]
    NicTwice { nic: String, instance: String },
    #[error("instance {0} has network interfaces in security groups: its vpc_id cannot change")]
    VpcChange(String),
    #[error("network interface {nic}: {why}")]
    Membership { nic: String, why: DomainError },
}

/// An instance's state, as far as Join/Leave care: only `Running` and `Stopped` instances may join
/// or leave (docs/reference/membership.md §2 step 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InstanceStatus {
    Pending,
    Running,
    Starting,
    Stopping,
    Stopped,
}

impl InstanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Pending => "Pending",
            InstanceStatus::Running => "Running",
            InstanceStatus::Starting => "Starting",
            InstanceStatus::Stopping => "Stopping",
            InstanceStatus::Stopped => "Stopped",
        }
    }

    /// Join and Leave need `Running` or `Stopped`.
    pub fn allows_membership_change(self) -> bool {
        matches!(self, InstanceStatus::Running | InstanceStatus::Stopped)
    }
}

impl std::str::FromStr for InstanceStatus {
    type Err = Problem;
    fn from_str(s: &str) -> Result<Self, Problem> {
        [
            InstanceStatus::Pending,
            InstanceStatus::Running,
            InstanceStatus::Starting,
            InstanceStatus::Stopping,
            InstanceStatus::Stopped,
        ]
        .into_iter()
        .find(|v| v.as_str().eq_ignore_ascii_case(s))
        .ok_or(Problem::Malformed)
    }
}

/// One network interface and the groups it is in, in join order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nic {
    pub id: String,
    pub primary: bool,
    pub groups: Vec<String>,
}

/// A virtual instance. Its scope is that of the groups it may join: an ECS region, or ENS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub id: String,
    pub scope: Scope,
    /// ECS: the VPC (`None`: classic). ENS instances have none.
    pub vpc_id: Option<String>,
    /// ECS zone, or ENS node (`EnsRegionId`): informational, echoed by DescribeInstances.
    pub zone: String,
    pub status: InstanceStatus,
    /// The primary ENI first.
    pub nics: Vec<Nic>,
}

impl Instance {
    pub fn primary(&self) -> Option<&Nic> {
        self.nics.iter().find(|n| n.primary)
    }

    pub fn nic(&self, id: &str) -> Option<&Nic> {
        self.nics.iter().find(|n| n.id == id)
    }

    pub fn nic_mut(&mut self, id: &str) -> Option<&mut Nic> {
        self.nics.iter_mut().find(|n| n.id == id)
    }

    /// The groups of the instance: those of its primary ENI.
    pub fn groups(&self) -> &[String] {
        self.primary().map_or(&[], |n| n.groups.as_slice())
    }

    /// Every (ENI, group) membership.
    pub fn memberships(&self) -> impl Iterator<Item = (&Nic, &str)> {
        self.nics
            .iter()
            .flat_map(|n| n.groups.iter().map(move |g| (n, g.as_str())))
    }
}

/// The default primary ENI of an instance declared without any: `eni-` + the id without `i-`.
pub fn default_nic_id(instance: &str) -> String {
    format!("eni-{}", instance.strip_prefix("i-").unwrap_or(instance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_in_any_case_and_only_two_allow_membership_changes() {
        assert_eq!("running".parse(), Ok(InstanceStatus::Running));
        assert_eq!("Stopped".parse(), Ok(InstanceStatus::Stopped));
        assert!("Deleted".parse::<InstanceStatus>().is_err());
        let allowed: Vec<_> = [
            InstanceStatus::Pending,
            InstanceStatus::Running,
            InstanceStatus::Starting,
            InstanceStatus::Stopping,
            InstanceStatus::Stopped,
        ]
        .into_iter()
        .filter(|s| s.allows_membership_change())
        .collect();
        assert_eq!(allowed, [InstanceStatus::Running, InstanceStatus::Stopped]);
        assert_eq!(default_nic_id("i-abc"), "eni-abc");
    }
}
