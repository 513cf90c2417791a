// The side menu. Entries name routes (router/routes.ts), which carry the label (`titleKey`) and
// the permission (`perm`); an entry is shown only when the user has that permission, and a group
// only when at least one of its entries is shown. Add a page: add its route, then list it here.
import type { Component } from 'vue'
import {
  Avatar,
  Bell,
  Calendar,
  ChatDotRound,
  CollectionTag,
  Connection,
  Document,
  EditPen,
  Files,
  FolderOpened,
  Grid,
  House,
  Key,
  Lock,
  Memo,
  Message,
  OfficeBuilding,
  Operation,
  Place,
  SetUp,
  Setting,
  Tickets,
  User,
  VideoPlay,
  View,
} from '@element-plus/icons-vue'

export interface MenuItem {
  /** Route name. */
  route: string
  icon: Component
}

export interface MenuGroup {
  /** Stable id, used as the el-menu index of the sub-menu. */
  id: string
  labelKey: string
  icon: Component
  children: MenuItem[]
}

export type MenuEntry = MenuItem | MenuGroup

export function isMenuGroup(e: MenuEntry): e is MenuGroup {
  return 'children' in e
}

export const menu: MenuEntry[] = [
  { route: 'home', icon: House },
  { route: 'submit', icon: EditPen },
  { route: 'services', icon: Grid },
  { route: 'todo', icon: Bell },
  { route: 'execute', icon: VideoPlay },
  { route: 'my-tickets', icon: Tickets },
  { route: 'calendar', icon: Calendar },
  {
    id: 'audit',
    labelKey: 'nav.audit',
    icon: View,
    children: [
      { route: 'audit-executions', icon: Document },
      { route: 'audit-events', icon: Files },
    ],
  },
  {
    id: 'admin',
    labelKey: 'nav.admin',
    icon: Setting,
    children: [
      { route: 'admin-environments', icon: Place },
      { route: 'admin-purposes', icon: CollectionTag },
      { route: 'admin-config', icon: SetUp },
      { route: 'admin-variables', icon: Operation },
      { route: 'admin-templates', icon: Memo },
      { route: 'admin-workflows', icon: Connection },
      { route: 'admin-catalog', icon: FolderOpened },
      { route: 'admin-freezes', icon: Lock },
      { route: 'admin-notifications', icon: Message },
      { route: 'admin-chat-channels', icon: ChatDotRound },
      { route: 'admin-users', icon: User },
      { route: 'admin-roles', icon: Avatar },
      { route: 'admin-businesses', icon: OfficeBuilding },
    ],
  },
  { route: 'profile', icon: User },
  { route: 'my-tokens', icon: Key },
]

