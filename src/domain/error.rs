//! `DomainError`: what went wrong, as data. No error codes or HTTP statuses here: each product's
//! error table maps these to its own `(Code, status, Message)`.

use super::input::RuleField;
use super::lists::ListKind;
use super::values::Problem;

/// Which side of a rule a peer sits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Source,
    Dest,
}

/// The attribute a value error is about. `field` in [`DomainError::Invalid`] carries the wire name
/// (e.g. `Permissions.2.PortRange`) for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    IpProtocol,
    PortRange,
    SourcePortRange,
    Policy,
    Priority,
    NicType,
    RuleDescription,
    Direction,
    SourceCidrIp,
    Ipv6SourceCidrIp,
    DestCidrIp,
    Ipv6DestCidrIp,
    GroupName,
    GroupDescription,
    ListName,
    ListDescription,
    EntryDescription,
    MaxEntries,
    AddressFamily,
    GroupType,
    InnerAccessPolicy,
    TagKey,
    TagValue,
    ClientToken,
    VpcId,
    SecurityGroupId,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{field}: {problem:?} ({attr:?})")]
    Invalid {
        attr: Attr,
        field: String,
        problem: Problem,
    },
    /// Both the IPv4 and the IPv6 CIDR of one side were given.
    #[error("{at}: both IPv4 and IPv6 {side:?} given")]
    BothFamilies { side: Side, at: String },
    /// The source and destination are of different address families.
    #[error("{at}: IPv4 and IPv6 mixed")]
    MixedFamilies { at: String },
    /// ICMP (IPv4-only) with an IPv6 address.
    #[error("{at}: IPv4 protocol with an IPv6 address")]
    V4ProtocolWithV6 { at: String },
    /// ICMPv6 with an IPv4 address.
    #[error("{at}: IPv6 protocol with an IPv4 address")]
    V6ProtocolWithV4 { at: String },
    #[error("{at}: source and destination CIDR are the same")]
    SameSourceAndDest { at: String },
    #[error("{at}: no {side:?} peer")]
    MissingPeer { side: Side, at: String },
    #[error("prefix lists are not supported on classic groups")]
    ClassicPrefixList,
    /// A group peer with a NIC type other than intranet.
    #[error("group peer needs intranet NIC type")]
    GroupPeerNicType { side: Side },

    #[error("security group {id} not found")]
    GroupNotFound { id: String },
    #[error("peer group {id} not found")]
    PeerGroupNotFound { side: Side, id: String },
    #[error("peer group in another VPC")]
    PeerGroupOtherVpc { side: Side },
    #[error("peer group of another network type")]
    PeerNetworkType,
    #[error("a group cannot reference itself")]
    SelfReference { side: Side },
    #[error("prefix list {id} not found")]
    PrefixListNotFound { id: String },
    #[error("only TCP and UDP rules can use a port range list")]
    ProtocolNotSupportPortRangeList,
    #[error("port range list {id} not found")]
    PortRangeListNotFound { id: String },
    #[error("duplicate rules in one request")]
    DuplicateInRequest,
    #[error("the rule already exists")]
    RuleExists,
    #[error("rule limit of {limit} reached")]
    RuleLimit { limit: usize },
    #[error("group-peer rule limit of {limit} reached")]
    GroupPeerLimit { limit: usize },
    #[error("enterprise groups accept only accept rules")]
    EnterpriseDrop,
    #[error("enterprise groups cannot reference groups")]
    EnterpriseGroupPeer,
    #[error("rule id {id} malformed")]
    RuleIdMalformed { id: String },
    #[error("rule id {id} not found")]
    RuleIdNotFound { id: String },
    #[error("rule id {id} repeated")]
    RuleIdRepeated { id: String },
    #[error("no matching rule")]
    RuleNotFound,
    #[error("peer kind or address family cannot change")]
    ModifyPeerKind,
    #[error("NIC type cannot change")]
    ModifyNicType,
    /// A field sent empty on modify-by-id where the rule holds a value; `name` is the client's label.
    #[error("{name} cannot be cleared")]
    ModifyClear { field: RuleField, name: String },
    #[error("the modified rule duplicates another")]
    ModifyDuplicate,
    #[error("group is referenced by another group's rule")]
    Referenced,
    #[error("the group still has instances or network interfaces in it")]
    HasMembers,
    #[error("instance {id} not found")]
    InstanceNotFound { id: String },
    #[error("network interface {id} not found")]
    NicNotFound { id: String },
    #[error("the instance is neither Running nor Stopped")]
    IncorrectInstanceStatus,
    /// `by_instance`: the instance form of Join (else the ENI form, or a declaration).
    #[error("the instance and the security group are not in the same VPC")]
    MemberVpcMismatch { by_instance: bool },
    #[error("already in the security group")]
    AlreadyMember,
    #[error("basic and enterprise security groups cannot be mixed on one interface")]
    MultiGroupType,
    #[error("at most {limit} security groups per network interface")]
    GroupsPerNic { limit: usize },
    #[error("the security group holds at most {limit} private IPs")]
    GroupFull { limit: usize, enterprise: bool },
    #[error("{member} is not in security group {group}")]
    NotMember { member: String, group: String },
    #[error("the last security group cannot be left")]
    LastGroup { by_instance: bool },
    #[error("entry {value} is not valid")]
    ListEntryMalformed { kind: ListKind, value: String },
    #[error("entry {value} is given twice")]
    ListEntryDuplicated { kind: ListKind, value: String },
    #[error("entry {value} does not exist")]
    ListEntryMissing { kind: ListKind, value: String },
    #[error("more entries than MaxEntries")]
    ListFull { kind: ListKind, on_create: bool },
    #[error("more than {limit} entries added or removed at once")]
    ListEntriesPerCall { kind: ListKind, limit: usize },
    #[error("at most {limit} lists per region")]
    ListQuota { kind: ListKind, limit: usize },
    #[error("the list is referenced by security group rules")]
    ListInUse { kind: ListKind },
    #[error("port range lists are not supported in classic security groups")]
    ClassicPortRangeList,
    #[error("the prefix list's address family does not match the rule")]
    PrefixListFamily,
    #[error("the protocol does not match the prefix list's address family")]
    ProtocolListFamily,
    #[error("a rule cannot switch between a port range and a port range list")]
    ModifyPortRangeType,
    #[error("the prefix list is associated with {limit} resources already")]
    ListAssociations { limit: usize },
    #[error("security group quota of {limit} reached")]
    GroupQuota { limit: usize },
    #[error("enterprise groups need a VPC")]
    EnterpriseNeedsVpc,
    #[error("enterprise InnerAccessPolicy is fixed")]
    EnterprisePolicyFixed,
    #[error("more than {limit} tags on one resource")]
    TagLimit { limit: usize },
    #[error("duplicate tag key")]
    DuplicateTagKey,
    #[error("client token reused with other parameters")]
    TokenMismatch,
    /// The change could not be made durable (the journal could not be written).
    #[error("storage: {0}")]
    Storage(String),
}

impl DomainError {
    pub fn invalid(attr: Attr, field: impl Into<String>, problem: Problem) -> DomainError {
        DomainError::Invalid {
            attr,
            field: field.into(),
            problem,
        }
    }
}
