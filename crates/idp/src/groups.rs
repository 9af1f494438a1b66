//! Groups and membership: precedence and IAM role per group, at most 100 groups per user.

use crate::user_record::User;
use crate::{Idp, IdpError, IdpResult, page};
use cognate_store::{GroupRecord, StoreError};
use cognate_wire::idp::types::*;

const MAX_GROUPS_PER_USER: u32 = 100;

fn group_type(g: GroupRecord) -> GroupType {
    GroupType {
        group_name: Some(g.name),
        user_pool_id: Some(g.pool_id),
        description: g.description,
        role_arn: g.role_arn,
        precedence: g.precedence,
        last_modified_date: Some(g.updated_ms as f64 / 1000.0),
        creation_date: Some(g.created_ms as f64 / 1000.0),
    }
}

impl Idp {
    async fn load_group(&self, pool_id: &str, name: &str) -> IdpResult<GroupRecord> {
        self.load_pool(pool_id).await?;
        self.store.get_group(pool_id, name).await?.ok_or(IdpError::GroupNotFound)
    }

    pub async fn create_group(&self, req: CreateGroupRequest) -> IdpResult<CreateGroupResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let now = self.now_ms();
        let name = req.group_name.unwrap_or_default();
        let g = GroupRecord {
            pool_id: pool.record.id.clone(),
            name: name.clone(),
            description: req.description,
            role_arn: req.role_arn,
            precedence: req.precedence,
            created_ms: now,
            updated_ms: now,
        };
        match self.store.insert_group(&g).await {
            Err(StoreError::Conflict(_)) => Err(IdpError::GroupExists(name)),
            other => Ok(other?),
        }?;
        Ok(CreateGroupResponse { group: Some(group_type(g)) })
    }

    pub async fn get_group(&self, req: GetGroupRequest) -> IdpResult<GetGroupResponse> {
        let g = self
            .load_group(req.user_pool_id.as_deref().unwrap_or_default(), req.group_name.as_deref().unwrap_or_default())
            .await?;
        Ok(GetGroupResponse { group: Some(group_type(g)) })
    }

    /// Changes only the members the request names.
    pub async fn update_group(&self, req: UpdateGroupRequest) -> IdpResult<UpdateGroupResponse> {
        let mut g = self
            .load_group(req.user_pool_id.as_deref().unwrap_or_default(), req.group_name.as_deref().unwrap_or_default())
            .await?;
        if req.description.is_some() {
            g.description = req.description;
        }
        if req.role_arn.is_some() {
            g.role_arn = req.role_arn;
        }
        if req.precedence.is_some() {
            g.precedence = req.precedence;
        }
        g.updated_ms = self.now_ms();
        self.store.update_group(&g).await?;
        Ok(UpdateGroupResponse { group: Some(group_type(g)) })
    }

    pub async fn delete_group(&self, req: DeleteGroupRequest) -> IdpResult<DeleteGroupResponse> {
        let g = self
            .load_group(req.user_pool_id.as_deref().unwrap_or_default(), req.group_name.as_deref().unwrap_or_default())
            .await?;
        self.store.delete_group(&g.pool_id, &g.name).await?;
        Ok(DeleteGroupResponse {})
    }

    pub async fn list_groups(&self, req: ListGroupsRequest) -> IdpResult<ListGroupsResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let size = page::size(req.limit, 60);
        let after = page::decode(req.next_token.as_deref())?;
        let rows = self.store.list_groups(&pool.record.id, after.as_deref(), size + 1).await?;
        let (rows, more) = page::split(rows, size);
        let next_token = more.then(|| rows.last().map(|g| page::encode(&g.name))).flatten();
        Ok(ListGroupsResponse { groups: Some(rows.into_iter().map(group_type).collect()), next_token })
    }

    async fn group_and_user(
        &self,
        pool_id: Option<&str>,
        group: Option<&str>,
        username: Option<&str>,
    ) -> IdpResult<(GroupRecord, User)> {
        let pool = self.load_pool(pool_id.unwrap_or_default()).await?;
        let user = self.resolve_user(&pool, username.unwrap_or_default()).await?;
        let g =
            self.store.get_group(&pool.record.id, group.unwrap_or_default()).await?.ok_or(IdpError::GroupNotFound)?;
        Ok((g, user))
    }

    pub async fn admin_add_user_to_group(
        &self,
        req: AdminAddUserToGroupRequest,
    ) -> IdpResult<AdminAddUserToGroupResponse> {
        let (g, user) = self
            .group_and_user(req.user_pool_id.as_deref(), req.group_name.as_deref(), req.username.as_deref())
            .await?;
        let current = self.store.groups_of_user(&g.pool_id, &user.record.sub, None, MAX_GROUPS_PER_USER + 1).await?;
        if current.len() >= MAX_GROUPS_PER_USER as usize && !current.iter().any(|c| c.name == g.name) {
            return Err(IdpError::LimitExceeded(format!(
                "A user can be a member of at most {MAX_GROUPS_PER_USER} groups."
            )));
        }
        self.store.add_member(&g.pool_id, &g.name, &user.record.sub).await?;
        Ok(AdminAddUserToGroupResponse {})
    }

    pub async fn admin_remove_user_from_group(
        &self,
        req: AdminRemoveUserFromGroupRequest,
    ) -> IdpResult<AdminRemoveUserFromGroupResponse> {
        let (g, user) = self
            .group_and_user(req.user_pool_id.as_deref(), req.group_name.as_deref(), req.username.as_deref())
            .await?;
        self.store.remove_member(&g.pool_id, &g.name, &user.record.sub).await?;
        Ok(AdminRemoveUserFromGroupResponse {})
    }

    pub async fn admin_list_groups_for_user(
        &self,
        req: AdminListGroupsForUserRequest,
    ) -> IdpResult<AdminListGroupsForUserResponse> {
        let pool = self.load_pool(req.user_pool_id.as_deref().unwrap_or_default()).await?;
        let user = self.resolve_user(&pool, req.username.as_deref().unwrap_or_default()).await?;
        let size = page::size(req.limit, 60);
        let after = page::decode(req.next_token.as_deref())?;
        let rows = self.store.groups_of_user(&pool.record.id, &user.record.sub, after.as_deref(), size + 1).await?;
        let (rows, more) = page::split(rows, size);
        let next_token = more.then(|| rows.last().map(|g| page::encode(&g.name))).flatten();
        Ok(AdminListGroupsForUserResponse { groups: Some(rows.into_iter().map(group_type).collect()), next_token })
    }

    pub async fn list_users_in_group(&self, req: ListUsersInGroupRequest) -> IdpResult<ListUsersInGroupResponse> {
        let g = self
            .load_group(req.user_pool_id.as_deref().unwrap_or_default(), req.group_name.as_deref().unwrap_or_default())
            .await?;
        let size = page::size(req.limit, 60);
        let after = page::decode(req.next_token.as_deref())?;
        let rows = self.store.members(&g.pool_id, &g.name, after.as_deref(), size + 1).await?;
        let (rows, more) = page::split(rows, size);
        let next_token = more.then(|| rows.last().map(|u| page::encode(&u.sub))).flatten();
        let users =
            rows.into_iter().map(|r| User::from_record(r).map(|u| u.to_user_type(None))).collect::<IdpResult<_>>()?;
        Ok(ListUsersInGroupResponse { users: Some(users), next_token })
    }
}
